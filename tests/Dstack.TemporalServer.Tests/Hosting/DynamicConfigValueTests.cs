using Dstack.TemporalServer.Hosting;

namespace Dstack.TemporalServer.Tests.Hosting;

public sealed class DynamicConfigValueTests
{
    [Fact]
    public void ApplyTo_HistoryCountLimit_SetsSuggestContinueAsNewAfterEvents()
    {
        var options = new TemporalServerOptions();

        DynamicConfigValue.Parse("limit.historyCount.suggestContinueAsNew=50").ApplyTo(options);

        Assert.Equal(50, options.SuggestContinueAsNewAfterEvents);
        Assert.Equal(4 * 1024 * 1024, options.SuggestContinueAsNewAfterBytes);
    }

    [Fact]
    public void ApplyTo_HistorySizeLimitAnyCase_SetsSuggestContinueAsNewAfterBytes()
    {
        var options = new TemporalServerOptions();

        DynamicConfigValue.Parse("LIMIT.historySize.SuggestContinueAsNew=10000000000").ApplyTo(options);

        Assert.Equal(10_000_000_000, options.SuggestContinueAsNewAfterBytes);
    }

    [Theory]
    [InlineData("frontend.enableExecuteMultiOperation=true")]
    [InlineData("callback.allowedAddresses=[{\"Pattern\":\"*\",\"AllowInsecure\":true}]")]
    [InlineData("some.key=\"a string with = inside\"")]
    public void Parse_KeyTheServerDoesNotUse_AcceptedAndChangesNothing(string text)
    {
        var options = new TemporalServerOptions();

        DynamicConfigValue.Parse(text).ApplyTo(options);

        Assert.Equal(4096, options.SuggestContinueAsNewAfterEvents);
        Assert.Equal(4 * 1024 * 1024, options.SuggestContinueAsNewAfterBytes);
    }

    [Theory]
    [InlineData("limit.historyCount.suggestContinueAsNew", "missing expected '='")]
    [InlineData("=5", "missing expected '='")]
    [InlineData("some.key=abc", "invalid JSON value for key \"some.key\"")]
    [InlineData("some.key=1 2", "invalid JSON value for key \"some.key\"")]
    [InlineData("limit.historyCount.suggestContinueAsNew=\"50\"", "expected a whole number")]
    [InlineData("limit.historyCount.suggestContinueAsNew=1.5", "expected a whole number")]
    [InlineData("limit.historyCount.suggestContinueAsNew=0", "expected a whole number")]
    [InlineData("limit.historyCount.suggestContinueAsNew=3000000000", "expected a whole number from 1 to 2147483647")]
    public void Parse_BadValue_OneLineErrorSayingWhatIsExpected(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => DynamicConfigValue.Parse(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
