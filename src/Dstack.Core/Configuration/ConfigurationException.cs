namespace Dstack.Core.Configuration;

/// <summary>A configuration is invalid (see <see cref="Kind"/>); <see cref="Errors"/> lists every problem found.</summary>
public sealed class ConfigurationException : DstackException
{
    /// <summary>Creates the exception from the errors found (at least one).</summary>
    /// <param name="errors">Every error found.</param>
    /// <param name="kind">Which configuration the errors are in.</param>
    public ConfigurationException(IReadOnlyList<ConfigError> errors, ConfigurationKind kind = ConfigurationKind.Workflows)
        : base(FormatMessage(errors, kind))
    {
        Errors = errors;
        Kind = kind;
    }

    /// <summary>Every error, in file order, then by line and column.</summary>
    public IReadOnlyList<ConfigError> Errors { get; }

    /// <summary>Gets which configuration the errors are in.</summary>
    public ConfigurationKind Kind { get; }

    private static string FormatMessage(IReadOnlyList<ConfigError> errors, ConfigurationKind kind)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var noun = errors.Count == 1 ? "error" : "errors";
        var what = kind == ConfigurationKind.Settings ? "dstack" : "workflows";
        return $"The {what} configuration has {errors.Count} {noun}:{Environment.NewLine}"
            + string.Join(Environment.NewLine, errors);
    }
}
