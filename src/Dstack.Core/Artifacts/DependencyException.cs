namespace Dstack.Core.Artifacts;

/// <summary>A dependency (<c>deps:</c>) names no usable run; the message names the dependency and says what to do.</summary>
public sealed class DependencyException(string message) : DstackException(message);
