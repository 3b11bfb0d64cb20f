using System.Buffers.Text;
using Dstack.Cli.Temporal;

namespace Dstack.Cli.Tests.Temporal;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ServerKeyTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("dstack-server-key-");

    private string Home => Path.Combine(_root.FullName, "home");

    private string KeyFile => Path.Combine(Home, "server.key");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void LoadOrCreate_FirstStart_MakesA32ByteKeyReadableByItsOwnerOnly()
    {
        var key = ServerKey.LoadOrCreate(Home);

        Assert.True(Base64Url.IsValid(key, out var length) && length == 32, key);
        Assert.Equal(key, File.ReadAllText(KeyFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile));
        Assert.Equal(["server.key"], Directory.GetFiles(Home).Select(Path.GetFileName));
    }

    [Fact]
    public void LoadOrCreate_LaterStarts_ReuseTheKey()
    {
        var first = ServerKey.LoadOrCreate(Home);

        Assert.Equal(first, ServerKey.LoadOrCreate(Home));
        Assert.Equal(first, ServerKey.Read(Home));
        Assert.NotEqual(first, ServerKey.LoadOrCreate(Path.Combine(_root.FullName, "another")));
    }

    [Theory]
    [InlineData(UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.GroupWrite)]
    [InlineData(UnixFileMode.OtherWrite)]
    public void ReadAndLoadOrCreate_KeyFileOpenToOthers_RefusedWithChmodAdvice(UnixFileMode extra)
    {
        ServerKey.LoadOrCreate(Home);
        File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | extra);

        foreach (var load in new Func<string>[] { () => ServerKey.Read(Home), () => ServerKey.LoadOrCreate(Home) })
        {
            var e = Assert.Throws<CommandException>(load);
            Assert.Equal(ExitCodes.ConfigOrUsage, e.ExitCode);
            Assert.Contains($"`chmod 600 {KeyFile}`", e.Message, StringComparison.Ordinal);
            Assert.Contains($"`dstack server stop; rm {KeyFile}`", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("not base64url!")]
    [InlineData("")]
    public void Read_DamagedKey_SaysSoAndHowToMakeANewOne(string content)
    {
        ServerKey.LoadOrCreate(Home);
        File.WriteAllText(KeyFile, content);

        var e = Assert.Throws<CommandException>(() => ServerKey.Read(Home));

        Assert.Contains("is damaged", e.Message, StringComparison.Ordinal);
        Assert.Contains($"rm {KeyFile}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NoKeyFile_SaysHowToGetOne()
    {
        var e = Assert.Throws<CommandException>(() => ServerKey.Read(Home));

        Assert.Contains($"its key {KeyFile} is gone", e.Message, StringComparison.Ordinal);
        Assert.Contains("`dstack server stop`", e.Message, StringComparison.Ordinal);
    }
}
