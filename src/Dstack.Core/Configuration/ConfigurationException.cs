namespace Dstack.Core.Configuration;

/// <summary>The workflows configuration is invalid; <see cref="Errors"/> lists every problem found.</summary>
public sealed class ConfigurationException : DstackException
{
    /// <summary>Creates the exception from the errors found (at least one).</summary>
    public ConfigurationException(IReadOnlyList<ConfigError> errors)
        : base(FormatMessage(errors))
    {
        Errors = errors;
    }

    /// <summary>Every error, in file order, then by line and column.</summary>
    public IReadOnlyList<ConfigError> Errors { get; }

    private static string FormatMessage(IReadOnlyList<ConfigError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var noun = errors.Count == 1 ? "error" : "errors";
        return $"The workflows configuration has {errors.Count} {noun}:{Environment.NewLine}"
            + string.Join(Environment.NewLine, errors);
    }
}
