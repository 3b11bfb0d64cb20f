namespace Dstack.Core.Settings;

/// <summary>The user config is invalid; <see cref="Errors"/> lists every problem found.</summary>
public sealed class SettingsException : DstackException
{
    /// <summary>Creates the exception from the errors found (at least one).</summary>
    public SettingsException(IReadOnlyList<SettingsError> errors)
        : base(FormatMessage(errors))
    {
        Errors = errors;
    }

    /// <summary>Gets every error, in file order.</summary>
    public IReadOnlyList<SettingsError> Errors { get; }

    private static string FormatMessage(IReadOnlyList<SettingsError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var noun = errors.Count == 1 ? "error" : "errors";
        return $"The dstack configuration has {errors.Count} {noun}:{Environment.NewLine}" + string.Join(Environment.NewLine, errors);
    }
}
