namespace Dstack.Core.Artifacts;

/// <summary>A downloaded artifact does not match the size or hash recorded when it was uploaded.</summary>
public sealed class ArtifactIntegrityException(string message) : DstackException(message);
