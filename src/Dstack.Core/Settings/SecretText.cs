namespace Dstack.Core.Settings;

/// <summary>
/// A secret setting (an API key): its text is read only through <see cref="Reveal"/>, and it prints as <c>***</c>, so
/// a settings record that holds one can be logged or shown in an error without giving it away.
/// </summary>
/// <param name="value">The secret.</param>
public sealed class SecretText(string value)
{
    /// <summary>Gets the secret itself, for the one call that sends it.</summary>
    public string Reveal() => value;

    /// <inheritdoc/>
    public override string ToString() => "***";
}
