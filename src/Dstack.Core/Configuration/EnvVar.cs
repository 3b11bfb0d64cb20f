namespace Dstack.Core.Configuration;

/// <summary>An environment variable for the job.</summary>
/// <param name="Name">The variable name.</param>
/// <param name="Value">The value, or null when it is taken from the local environment at run time.</param>
public sealed record EnvVar(string Name, TemplateString? Value);
