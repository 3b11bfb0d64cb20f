using Dstack.Core.Settings;

namespace Dstack.Core.Tests.Settings;

public sealed class DstackSettingsTests
{
    private static DstackSettings With(params BackendSettings[] backends) => new()
    {
        Home = "/home/u/.dstack",
        ConfigFile = "/home/u/.dstack/config.yml",
        Storage = new StorageSettings { Path = "/home/u/.dstack/storage" },
        Backends = backends,
    };

    [Fact]
    public void Aws_NoAwsEntry_IsNull()
    {
        Assert.Null(With(new LocalBackendSettings()).Aws);
    }

    [Fact]
    public void Aws_SeveralEntries_OneBackendWithTheirRegionsAndTheFirstOfEachSetting()
    {
        var settings = With(
            new AwsBackendSettings(["us-east-1", "eu-west-1"]),
            new LocalBackendSettings(),
            new AwsBackendSettings(["eu-west-1", "us-west-2"], Profile: "work", SshUser: "ec2-user"),
            new AwsBackendSettings([], Profile: "other", Endpoint: "http://127.0.0.1:4566", SshUser: "admin"));

        var aws = settings.Aws;

        Assert.NotNull(aws);
        Assert.Equal(["us-east-1", "eu-west-1", "us-west-2"], aws.Regions);
        Assert.Equal("work", aws.Profile);
        Assert.Equal("http://127.0.0.1:4566", aws.Endpoint);
        Assert.Equal("ec2-user", aws.SshUser);
    }
}
