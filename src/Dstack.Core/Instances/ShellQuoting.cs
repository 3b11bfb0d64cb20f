namespace Dstack.Core.Instances;

/// <summary>Quotes values for bash, so that no user string reaches a shell unquoted.</summary>
public static class ShellQuoting
{
    /// <summary>
    /// Quotes <paramref name="value"/> as one bash word: single quotes, each inner <c>'</c> written <c>'\''</c>.
    /// Nothing is special inside single quotes, so the value is taken literally.
    /// </summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
