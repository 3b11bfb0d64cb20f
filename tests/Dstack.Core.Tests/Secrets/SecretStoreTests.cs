using System.Text;
using Dstack.Core.Secrets;
using Dstack.Core.Storage;

namespace Dstack.Core.Tests.Secrets;

public sealed class SecretStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AddAsync_ThenGet_RoundTripsEncryptedWithA0600KeyFile()
    {
        var storage = new LocalStorage(_dir.Combine("storage"));
        var keys = new SecretKeySource(_dir.Combine("home"), null);
        var sut = new SecretStore(storage, keys);

        await sut.AddAsync("HF_TOKEN", "hf_abc123");
        await sut.AddAsync("HF_TOKEN_2", "second");

        Assert.Equal("hf_abc123", await sut.GetAsync("HF_TOKEN"));
        Assert.Equal(["HF_TOKEN", "HF_TOKEN_2"], await sut.ListAsync());
        var stored = await File.ReadAllBytesAsync(_dir.Combine("storage", "secrets", "HF_TOKEN"));
        Assert.Equal(-1, stored.AsSpan().IndexOf(Encoding.UTF8.GetBytes("hf_abc123")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keys.KeyFile));
        }

        // Deleting one name leaves a longer name that starts with it.
        Assert.True(await sut.DeleteAsync("HF_TOKEN"));
        Assert.Null(await sut.GetAsync("HF_TOKEN"));
        Assert.Equal("second", await sut.GetAsync("HF_TOKEN_2"));
    }

    [Fact]
    public async Task GetAsync_OtherKey_ClearErrorWithoutTheValue()
    {
        var storage = new LocalStorage(_dir.Combine("storage"));
        await new SecretStore(storage, new SecretKeySource(_dir.Combine("home"), "passphrase-one")).AddAsync("DB_PASSWORD", "s3cret");

        var error = await Assert.ThrowsAsync<SecretException>(() => new SecretStore(storage, new SecretKeySource(_dir.Combine("home"), "passphrase-two")).GetAsync("DB_PASSWORD"));

        Assert.Contains("another key", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_SecretRenamedInStorage_DoesNotDecrypt()
    {
        var storage = new LocalStorage(_dir.Combine("storage"));
        var sut = new SecretStore(storage, new SecretKeySource(_dir.Combine("home"), null));
        await sut.AddAsync("A", "value-of-a");
        File.Copy(_dir.Combine("storage", "secrets", "A"), _dir.Combine("storage", "secrets", "B"));

        await Assert.ThrowsAsync<SecretException>(() => sut.GetAsync("B"));
    }

    [Theory]
    [InlineData("1ABC")]
    [InlineData("A-B")]
    [InlineData("../x")]
    [InlineData("")]
    public void CheckName_NotAnEnvironmentVariableName_Refused(string name) =>
        Assert.Throws<SecretException>(() => SecretStore.CheckName(name));
}
