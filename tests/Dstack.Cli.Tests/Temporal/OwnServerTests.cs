using Dstack.Cli.Temporal;
using Dstack.Core.Settings;

namespace Dstack.Cli.Tests.Temporal;

/// <summary>The folder's server key goes to the folder's running server alone.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OwnServerTests : IDisposable
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("dstack-own-server-");

    public void Dispose() => _home.Delete(recursive: true);

    private DstackSettings Settings(string address) =>
        new()
        {
            Home = _home.FullName,
            ConfigFile = Path.Combine(_home.FullName, "config.yml"),
            Storage = new StorageSettings { Path = Path.Combine(_home.FullName, "storage") },
            Temporal = new TemporalSettings(address),
        };

    [Fact]
    public void ConnectSettings_RunningServerOfThisFolderAtTheAddress_ItsRecordedAddressWithTheKeyInPlainGrpc()
    {
        var key = ServerKey.LoadOrCreate(_home.FullName);
        using var server = new RecordedServerProcess();
        new LocalServerRecord(server.Id, "127.0.0.1:7300", null).Write(_home.FullName);

        foreach (var address in new[] { "127.0.0.1:7300", "localhost:7300" })
        {
            var temporal = OwnServer.ConnectSettings(Settings(address), address);

            Assert.Equal("127.0.0.1:7300", temporal.Address);
            Assert.Equal(key, temporal.ApiKey?.Reveal());
            Assert.True(temporal.Tls?.Disabled);
        }
    }

    [Fact]
    public void ConnectSettings_AnyOtherServer_NoKey()
    {
        ServerKey.LoadOrCreate(_home.FullName);
        using (var server = new RecordedServerProcess())
        {
            // Another port than the recorded one.
            new LocalServerRecord(server.Id, "127.0.0.1:7300", null).Write(_home.FullName);
            Assert.Null(OwnServer.ConnectSettings(Settings("127.0.0.1:7233"), "127.0.0.1:7233").ApiKey);
            Assert.Null(OwnServer.ConnectSettings(Settings("10.0.0.5:7300"), "10.0.0.5:7300").ApiKey);

            // A process of this user that is not a server (a pid reused since the server ended).
            new LocalServerRecord(Environment.ProcessId, "127.0.0.1:7300", null).Write(_home.FullName);
            Assert.Null(OwnServer.ConnectSettings(Settings("127.0.0.1:7300"), "127.0.0.1:7300").ApiKey);

            new LocalServerRecord(server.Id, "127.0.0.1:7300", null).Write(_home.FullName);
            Assert.NotNull(OwnServer.ConnectSettings(Settings("127.0.0.1:7300"), "127.0.0.1:7300").ApiKey);
        }

        // The recorded server has ended: its port may be anyone's now.
        Assert.Null(OwnServer.ConnectSettings(Settings("127.0.0.1:7300"), "127.0.0.1:7300").ApiKey);
    }

    [Fact]
    public void ConnectSettings_OwnServerWithKeyFileOpenToOthers_RefusedRatherThanSent()
    {
        ServerKey.LoadOrCreate(_home.FullName);
        File.SetUnixFileMode(ServerKey.PathIn(_home.FullName), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        using var server = new RecordedServerProcess();
        new LocalServerRecord(server.Id, "127.0.0.1:7300", null).Write(_home.FullName);

        var e = Assert.Throws<CommandException>(() => OwnServer.ConnectSettings(Settings("127.0.0.1:7300"), "127.0.0.1:7300"));

        Assert.Contains("chmod 600", e.Message, StringComparison.Ordinal);
    }
}
