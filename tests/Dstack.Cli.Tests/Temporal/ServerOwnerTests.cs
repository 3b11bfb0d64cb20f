using Dstack.Cli.Temporal;
using Dstack.Core.Settings;

namespace Dstack.Cli.Tests.Temporal;

/// <summary>Whose a dstack server is, as its namespaces' data says, and which CLIs it may serve.</summary>
public sealed class ServerOwnerTests
{
    private static DstackSettings Settings(string home, StorageSettings? storage = null) => new()
    {
        Home = home,
        ConfigFile = Path.Combine(home, "config.yml"),
        Storage = storage ?? new StorageSettings { Path = Path.Combine(home, "storage") },
    };

    [Fact]
    public void WriteThenRead_NamespaceData_SameOwner()
    {
        var owner = ServerOwner.Of(Settings("/home/ana/.dstack"));
        var data = new Dictionary<string, string>(StringComparer.Ordinal);

        owner.Write(data);

        Assert.Equal(owner, ServerOwner.Read(data));
        Assert.Equal("/home/ana/.dstack/storage", owner.Storage);
    }

    [Fact]
    public void Read_NoDstackData_NullAsForRealTemporal()
    {
        Assert.Null(ServerOwner.Read(new Dictionary<string, string>(StringComparer.Ordinal) { ["team"] = "ml" }));
    }

    [Fact]
    public void Serves_SameFolder_YesOtherFolderOrStorage_No()
    {
        var ana = ServerOwner.Of(Settings("/home/ana/.dstack"));

        Assert.True(ana.Serves(ServerOwner.Of(Settings("/home/ana/.dstack"))));
        Assert.False(ana.Serves(ServerOwner.Of(Settings("/home/ben/.dstack"))));

        // The same folder but other storage (DSTACK_STORAGE_PATH): the worker would not find the client's snapshots.
        Assert.False(ana.Serves(ServerOwner.Of(Settings("/home/ana/.dstack", new StorageSettings { Path = "/data/other" }))));

        // A storage folder shared by two dstack folders still leaves each its own secrets key and job folders.
        Assert.False(ana.Serves(ServerOwner.Of(Settings("/home/ben/.dstack", new StorageSettings { Path = "/home/ana/.dstack/storage" }))));
    }

    [Fact]
    public void Serves_SameS3Location_YesFromAnyFolderOtherLocation_No()
    {
        var bucket = new StorageSettings { Type = StorageType.S3, Path = "/unused", Bucket = "team", Prefix = "dstack" };
        var team = ServerOwner.Of(Settings("/srv/dstack", bucket));

        Assert.Equal("s3://team/dstack", team.Storage);
        Assert.True(team.Serves(ServerOwner.Of(Settings("/home/ben/.dstack", bucket))));
        Assert.False(team.Serves(ServerOwner.Of(Settings("/home/ben/.dstack", bucket with { Prefix = "ben" }))));
    }

    [Fact]
    public void FindSparePort_FirstTaken_NextOneWhoseUiPortIsFreeToo()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, LocalServerAddress.FirstSparePort);
        var held = TryStart(taken);

        var port = LocalServerAddress.FindSparePort("127.0.0.1");

        Assert.True(LocalServerAddress.IsFree("127.0.0.1", port) && LocalServerAddress.IsFree("127.0.0.1", port + 1000));
        if (held)
        {
            Assert.NotEqual(LocalServerAddress.FirstSparePort, port);
        }
    }

    private static bool TryStart(System.Net.Sockets.TcpListener listener)
    {
        try
        {
            listener.Start();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            // Someone else holds it already, which is what the test wants.
            return false;
        }
    }
}
