using Dstack.TemporalServer.Visibility;

namespace Dstack.TemporalServer.Tests.Visibility;

public sealed class TextMatcherTests
{
    [Theory]
    [InlineData("payment failed", "Payment FAILED for order 7", true)]
    [InlineData("order-7", "Payment failed for order 7", true)]
    [InlineData("7-order", "Payment failed for order 7", false)]
    [InlineData("pay", "Payment failed", false)]
    [InlineData("---", "a --- b", false)]
    [InlineData("café", "Le CAFÉ noir", true)]
    public void Matches_Phrase_MatchesWholeWordsCaseInsensitively(string query, string text, bool expected)
    {
        var matcher = TextMatcher.TryCreate(query);

        Assert.NotNull(matcher);
        Assert.Equal(expected, matcher.Matches(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("    ")]
    public void TryCreate_NoTokens_ReturnsNull(string query) => Assert.Null(TextMatcher.TryCreate(query));
}
