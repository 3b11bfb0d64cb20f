using Dstack.Core.Configuration;

namespace Dstack.Core.Tests.Configuration;

public sealed class MemorySizeTests
{
    [Theory]
    [InlineData("512MB", 512L * 1024 * 1024, "512MB")]
    [InlineData("64GB", 64L * 1024 * 1024 * 1024, "64GB")]
    [InlineData("1TB", 1024L * 1024 * 1024 * 1024, "1TB")]
    [InlineData("1.5TB", 1536L * 1024 * 1024 * 1024, "1.5TB")]
    [InlineData("2048MB", 2L * 1024 * 1024 * 1024, "2GB")]
    [InlineData("16gb", 16L * 1024 * 1024 * 1024, "16GB")]
    public void Parse_Sizes_AreBinaryAndRoundTrip(string text, long bytes, string formatted)
    {
        var size = MemorySize.Parse(text);

        Assert.Equal(bytes, size.Bytes);
        Assert.Equal(formatted, size.ToString());
    }

    [Theory]
    [InlineData("64")]
    [InlineData("64GiB")]
    [InlineData("GB")]
    [InlineData("-1GB")]
    [InlineData("")]
    public void TryParse_NotASize_ReturnsFalse(string text)
    {
        Assert.False(MemorySize.TryParse(text, out _));
    }
}
