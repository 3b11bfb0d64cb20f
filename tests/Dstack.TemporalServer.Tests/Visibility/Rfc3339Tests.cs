using Dstack.TemporalServer.Visibility;

namespace Dstack.TemporalServer.Tests.Visibility;

public sealed class Rfc3339Tests
{
    [Theory]
    [InlineData("2024-01-02T03:04:05Z", "2024-01-02T03:04:05.0000000+00:00")]
    [InlineData("2024-01-02T03:04:05.123456789Z", "2024-01-02T03:04:05.1234567+00:00")]
    [InlineData("2024-01-02T03:04:05.5-07:30", "2024-01-02T10:34:05.5000000+00:00")]
    public void TryParseUtcTicks_ValidTimestamp_ReturnsUtcTicks(string text, string expectedUtc)
    {
        Assert.True(Rfc3339.TryParseUtcTicks(text, out var ticks));
        Assert.Equal(DateTimeOffset.Parse(expectedUtc, System.Globalization.CultureInfo.InvariantCulture).UtcTicks, ticks);
    }

    [Theory]
    [InlineData("2024-01-02")]
    [InlineData("2024-01-02T03:04:05")]
    [InlineData("2024-01-02 03:04:05Z")]
    [InlineData("not a date")]
    public void TryParseUtcTicks_InvalidTimestamp_ReturnsFalse(string text) =>
        Assert.False(Rfc3339.TryParseUtcTicks(text, out _));
}
