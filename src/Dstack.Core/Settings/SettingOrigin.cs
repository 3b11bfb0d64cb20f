using Dstack.Core.Configuration;

namespace Dstack.Core.Settings;

/// <summary>
/// Where a setting was given: a key of a file (with its line when known) or an environment variable. Errors found after
/// the layers are merged (a missing file, a key without its certificate) and connection failures name it, so the user
/// knows which of several places to fix.
/// </summary>
/// <param name="File">The file (absolute), or <c>environment variable NAME</c>.</param>
/// <param name="Line">1-based line, or 0 when unknown (a variable, a TOML file read by the Temporal SDK).</param>
/// <param name="Column">1-based column, or 0 when <paramref name="Line"/> is 0.</param>
/// <param name="Key">The key path in the file, e.g. <c>temporal.tls.client_key</c>; empty for a variable.</param>
public sealed record SettingOrigin(string File, int Line, int Column, string Key)
{
    /// <summary>The origin of a value read from the environment variable <paramref name="name"/>.</summary>
    public static SettingOrigin Variable(string name) => new($"environment variable {name}", 0, 0, string.Empty);

    /// <summary>Gets a value indicating whether the value came from an environment variable.</summary>
    public bool IsVariable => Key.Length == 0;

    /// <summary>An error about the value given here, located as the value was.</summary>
    public ConfigError Error(string message) => new(File, Line, Column, Key, message);

    /// <summary>Formats the origin for a message: <c>temporal.api_key_file in /home/u/.dstack/config.yml:3</c>, or the variable.</summary>
    public override string ToString() =>
        IsVariable ? File : Line > 0 ? $"{Key} in {File}:{Line}" : $"{Key} in {File}";
}
