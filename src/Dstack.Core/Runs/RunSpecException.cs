namespace Dstack.Core.Runs;

/// <summary>A workflow cannot be turned into a run (a file it names is missing, an env value is unset).</summary>
public sealed class RunSpecException(string message) : DstackException(message);
