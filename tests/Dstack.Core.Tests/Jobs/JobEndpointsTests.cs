using Dstack.Core.Jobs;

namespace Dstack.Core.Tests.Jobs;

public sealed class JobEndpointsTests
{
    [Fact]
    public void Parse_AppAndPorts_ReadsThemInOrder()
    {
        var sut = JobEndpoints.Parse("PORT_1=9001\nPORT_0=9000\nAPP=Jupyter Notebook\nAPP_PORT=8888\nAPP_PATH=/?token=abc=\nNEWER_KEY=x\n");

        Assert.Equal([9000, 9001], sut.Ports);
        Assert.Equal("Jupyter Notebook", sut.App);
        Assert.Equal("/?token=abc=", sut.AppPath);
        Assert.Equal([8888, 9000, 9001], sut.AllPorts);
    }

    [Theory]
    [InlineData("PORT_0=0")]
    [InlineData("PORT_0=70000")]
    [InlineData("APP_PORT=-1")]
    [InlineData("APP_PORT=80x")]
    public void Parse_NotAPort_Throws(string text)
    {
        Assert.Throws<FormatException>(() => JobEndpoints.Parse(text));
    }
}
