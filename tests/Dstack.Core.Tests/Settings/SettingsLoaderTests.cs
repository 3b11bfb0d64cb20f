using Dstack.Core.Configuration;
using Dstack.Core.Settings;

namespace Dstack.Core.Tests.Settings;

public sealed class SettingsLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private SettingsLoader Loader(Dictionary<string, string>? extra = null)
    {
        var variables = new Dictionary<string, string> { ["HOME"] = _dir.Path, ["DSTACK_HOME"] = _dir.Combine("home") };
        foreach (var (k, v) in extra ?? [])
        {
            variables[k] = v;
        }

        return new SettingsLoader(name => variables.GetValueOrDefault(name));
    }

    [Fact]
    public void Load_NoFile_GivesDefaults()
    {
        var settings = Loader().Load();

        Assert.Equal(_dir.Combine("home"), settings.Home);
        Assert.Equal("127.0.0.1:7233", settings.Temporal.Address);
        Assert.Equal("default", settings.Temporal.Namespace);
        Assert.Equal("dstack", settings.Temporal.TaskQueue);
        Assert.Equal(StorageType.Local, settings.Storage.Type);
        Assert.Equal(_dir.Combine("home", "storage"), settings.Storage.Path);
        Assert.IsType<LocalBackendSettings>(Assert.Single(settings.Backends));
    }

    [Theory]
    [InlineData(null, null, true)]
    [InlineData("temporal:\n  namespace: team\n", null, true)]
    [InlineData("temporal:\n  address: 127.0.0.1:7233\n", null, false)]
    [InlineData(null, "127.0.0.1:7233", false)]
    public void Load_AddressIsDefault_OnlyWhenNeitherFileNorVariableNamesOne(string? config, string? variable, bool expected)
    {
        if (config is not null)
        {
            _dir.Write("home/config.yml", config);
        }

        var settings = Loader(variable is null ? null : new() { ["DSTACK_TEMPORAL_ADDRESS"] = variable }).Load();

        Assert.Equal("127.0.0.1:7233", settings.Temporal.Address);
        Assert.Equal(expected, settings.Temporal.AddressIsDefault);
    }

    [Fact]
    public void Load_NoDstackHome_UsesDotDstackInHome()
    {
        var settings = new SettingsLoader(name => name == "HOME" ? _dir.Path : null).Load();

        Assert.Equal(_dir.Combine(".dstack"), settings.Home);
    }

    [Fact]
    public void Load_FullFile_ReadsEverySection()
    {
        _dir.Write("home/config.yml", """
            temporal:
              address: temporal.example.com:7233
              namespace: team
              task_queue: gpu
            storage:
              type: local
              path: ~/data/dstack
            backends:
              - type: local
              - type: ssh
                hosts:
                  - host: gpu-box-1.example.com
                    port: 2222
                    user: ubuntu
                    identity_file: ~/.ssh/id_ed25519
              - type: aws
                regions: [us-east-1, us-west-2]
                profile: default
            """);

        var settings = Loader().Load();

        Assert.Equal(new TemporalSettings("temporal.example.com:7233", "team", "gpu"), settings.Temporal);
        Assert.Equal(_dir.Combine("data", "dstack"), settings.Storage.Path);
        Assert.Collection(
            settings.Backends,
            b => Assert.IsType<LocalBackendSettings>(b),
            b =>
            {
                var host = Assert.Single(Assert.IsType<SshBackendSettings>(b).Hosts);
                Assert.Equal(new SshHostSettings("gpu-box-1.example.com", 2222, "ubuntu", _dir.Combine(".ssh", "id_ed25519")), host);
            },
            b =>
            {
                var aws = Assert.IsType<AwsBackendSettings>(b);
                Assert.Equal(["us-east-1", "us-west-2"], aws.Regions);
                Assert.Equal("default", aws.Profile);
            });
    }

    [Fact]
    public void Load_SshHostWithDstackDir_KeptAsWrittenForTheHostToExpand()
    {
        _dir.Write("home/config.yml", """
            backends:
              - type: ssh
                hosts:
                  - host: 10.0.0.5
                    dstack_dir: ~/work/dstack
            """);

        var settings = Loader().Load();

        var host = Assert.Single(Assert.IsType<SshBackendSettings>(Assert.Single(settings.Backends)).Hosts);
        Assert.Equal(new SshHostSettings("10.0.0.5", DstackDirectory: "~/work/dstack"), host);
    }

    [Fact]
    public void Load_SshGracePeriodAndBlocks_Read()
    {
        _dir.Write("home/config.yml", """
            backends:
              - type: ssh
                grace_period: 2m
                hosts:
                  - host: 10.0.0.5
                    blocks: 4
                    labels: [a100, fast]
            """);

        var ssh = Assert.IsType<SshBackendSettings>(Assert.Single(Loader().Load().Backends));

        Assert.Equal(TimeSpan.FromMinutes(2), ssh.GracePeriod);
        var host = Assert.Single(ssh.Hosts);
        Assert.Equal(new SshHostSettings("10.0.0.5", Blocks: 4, Labels: host.Labels), host);
        Assert.Equal(["a100", "fast"], host.Labels!);
    }

    [Fact]
    public void Load_BadGracePeriodPortAndBlocks_ReportsEachWithWhatWasExpected()
    {
        _dir.Write("home/config.yml", """
            backends:
              - type: ssh
                grace_period: soon
                hosts:
                  - host: 10.0.0.5
                    blocks: 0
                    port: 70000
            """);

        var e = Assert.Throws<ConfigurationException>(() => Loader().Load());

        Assert.Collection(
            e.Errors,
            x => Assert.Equal((3, "backends[0].grace_period", "expected a duration like 30s, 5m or 1h, found 'soon'"), (x.Line, x.Path, x.Message)),
            x => Assert.Equal((7, "backends[0].hosts[0].port", "expected a port number from 1 to 65535, found '70000'"), (x.Line, x.Path, x.Message)),
            x => Assert.Equal((6, "backends[0].hosts[0].blocks", "expected how many jobs the host may run at once, a number from 1 to 1024, found '0'"), (x.Line, x.Path, x.Message)));
    }

    [Fact]
    public void Load_EnvironmentVariables_OverrideFile()
    {
        _dir.Write("home/config.yml", "temporal:\n  address: file:7233\n");

        var settings = Loader(new()
        {
            ["DSTACK_TEMPORAL_ADDRESS"] = "env:7233",
            ["DSTACK_TEMPORAL_NAMESPACE"] = "ns",
            ["DSTACK_TASK_QUEUE"] = "q",
            ["DSTACK_STORAGE_PATH"] = "~/elsewhere",
        }).Load();

        Assert.Equal(new TemporalSettings("env:7233", "ns", "q"), settings.Temporal);
        Assert.Equal(_dir.Combine("elsewhere"), settings.Storage.Path);
    }

    [Fact]
    public void Load_UnknownKey_ReportsFileLineAndExpectedKeys()
    {
        var file = _dir.Write("home/config.yml", "temporal:\n  address: a:1\n  adress: b:2\n");

        var e = Assert.Throws<ConfigurationException>(() => Loader().Load());

        var error = Assert.Single(e.Errors);
        Assert.Equal(file, error.File);
        Assert.Equal(3, error.Line);
        Assert.Equal("temporal.adress", error.Path);
        Assert.Equal("unknown key 'adress'; did you mean 'address'?", error.Message);
        Assert.Contains($"{file}:3:3: temporal.adress", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UiUrl_FromFileAndOverriddenByVariable()
    {
        _dir.Write("home/config.yml", "temporal:\n  address: temporal.example.com:7233\n  ui_url: http://temporal.example.com:8080\n");

        Assert.Equal("http://temporal.example.com:8080", Loader().Load().Temporal.UiUrl);
        Assert.Equal("https://ui.example.com", Loader(new() { ["DSTACK_TEMPORAL_UI_URL"] = "https://ui.example.com" }).Load().Temporal.UiUrl);
        Assert.Null(new SettingsLoader(name => name == "HOME" ? _dir.Path : null).Load().Temporal.UiUrl);
    }

    [Fact]
    public void Load_UiUrlNotHttp_ReportsLineAndAnExample()
    {
        var file = _dir.Write("home/config.yml", "temporal:\n  ui_url: localhost:8080\n");

        var e = Assert.Throws<ConfigurationException>(() => Loader().Load());

        var error = Assert.Single(e.Errors);
        Assert.Equal((file, 2, "temporal.ui_url"), (error.File, error.Line, error.Path));
        Assert.Contains("http://localhost:8080", error.Message, StringComparison.Ordinal);
        Assert.Contains("'localhost:8080'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UiUrlVariableNotHttp_NamesTheVariable()
    {
        var e = Assert.Throws<ConfigurationException>(() => Loader(new() { ["DSTACK_TEMPORAL_UI_URL"] = "ftp://x" }).Load());

        Assert.Contains("DSTACK_TEMPORAL_UI_URL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BadValues_ReportsEveryError()
    {
        _dir.Write("home/config.yml", """
            backends:
              - type: gcp
              - type: ssh
                hosts:
                  - host: a
                    port: many
            """);

        var e = Assert.Throws<ConfigurationException>(() => Loader().Load());

        Assert.Collection(
            e.Errors,
            x => Assert.Equal((2, "backends[0].type"), (x.Line, x.Path)),
            x => Assert.Equal((6, "backends[1].hosts[0].port"), (x.Line, x.Path)));
    }

    [Fact]
    public void Load_InvalidYaml_ReportsLine()
    {
        _dir.Write("home/config.yml", "temporal:\n  address: [unclosed\n");

        var e = Assert.Throws<ConfigurationException>(() => Loader().Load());

        Assert.True(Assert.Single(e.Errors).Line >= 2);
    }
}
