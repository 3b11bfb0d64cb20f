using Dstack.TemporalServer.Visibility;

namespace Dstack.TemporalServer.Tests.Visibility;

public sealed class GoDurationParserTests
{
    [Theory]
    [InlineData("123", 123L)]
    [InlineData("0", 0L)]
    [InlineData("300ms", 300_000_000L)]
    [InlineData("-1.5h", -5_400_000_000_000L)]
    [InlineData("2h45m", 9_900_000_000_000L)]
    [InlineData("1d", 86_400_000_000_000L)]
    [InlineData("1us", 1_000L)]
    [InlineData("1µs", 1_000L)]
    [InlineData("01:02:03", 3_723_000_000_000L)]
    public void TryParseNanoseconds_ValidDuration_ReturnsNanoseconds(string text, long expected)
    {
        Assert.True(GoDurationParser.TryParseNanoseconds(text, out var nanoseconds));
        Assert.Equal(expected, nanoseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1t")]
    [InlineData("h")]
    [InlineData("1:60:00")]
    [InlineData("1.2.3s")]
    public void TryParseNanoseconds_InvalidDuration_ReturnsFalse(string text) =>
        Assert.False(GoDurationParser.TryParseNanoseconds(text, out _));
}
