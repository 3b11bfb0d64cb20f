using System.Globalization;
using System.Text.Json;

namespace Dstack.TemporalServer.Hosting;

/// <summary>
/// One <c>--dynamic-config-value KEY=JSON_VALUE</c>, as the Temporal CLI's <c>server start-dev</c> takes it (keys are
/// case-insensitive, values are JSON: strings need quotes). The keys the embedded server honours set
/// <see cref="TemporalServerOptions"/>; the others are accepted and ignored, so SDK test setups that pass them start.
/// </summary>
public sealed record DynamicConfigValue(string Key, JsonElement Value)
{
    /// <summary>Real Temporal's key for <see cref="TemporalServerOptions.SuggestContinueAsNewAfterEvents"/>.</summary>
    public const string HistoryCountSuggestContinueAsNew = "limit.historyCount.suggestContinueAsNew";

    /// <summary>Real Temporal's key for <see cref="TemporalServerOptions.SuggestContinueAsNewAfterBytes"/>.</summary>
    public const string HistorySizeSuggestContinueAsNew = "limit.historySize.suggestContinueAsNew";

    /// <summary>Parses <c>KEY=JSON_VALUE</c> and checks the value of a key the server honours.</summary>
    /// <exception cref="FormatException">The text is not <c>KEY=JSON_VALUE</c>, or a known key has a value of the wrong kind; the message says which and what is expected.</exception>
    public static DynamicConfigValue Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new FormatException($"missing expected '=' in \"{text}\": expected KEY=JSON_VALUE, e.g. {HistoryCountSuggestContinueAsNew}=1000");
        }

        var key = text[..equals];
        JsonElement value;
        try
        {
            using var document = JsonDocument.Parse(text[(equals + 1)..]);
            value = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new FormatException($"invalid JSON value for key \"{key}\": {e.Message} (string values need quotes: {key}=\"text\")", e);
        }

        var parsed = new DynamicConfigValue(key, value);
        parsed.ApplyTo(new TemporalServerOptions());
        return parsed;
    }

    /// <summary>Sets the option this key stands for; a key the server does not use changes nothing.</summary>
    /// <exception cref="FormatException">A known key has a value of the wrong kind.</exception>
    public void ApplyTo(TemporalServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Is(HistoryCountSuggestContinueAsNew))
        {
            options.SuggestContinueAsNewAfterEvents = (int)PositiveInteger(int.MaxValue);
        }
        else if (Is(HistorySizeSuggestContinueAsNew))
        {
            options.SuggestContinueAsNewAfterBytes = PositiveInteger(long.MaxValue);
        }
    }

    private bool Is(string key) => string.Equals(Key, key, StringComparison.OrdinalIgnoreCase);

    private long PositiveInteger(long maximum) =>
        Value.ValueKind == JsonValueKind.Number && Value.TryGetInt64(out var number) && number > 0 && number <= maximum
            ? number
            : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{Key}={Value.GetRawText()}: expected a whole number from 1 to {maximum}"));
}
