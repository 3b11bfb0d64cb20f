using Dstack.Cli.Temporal;
using Temporalio.Exceptions;

namespace Dstack.Cli.Tests.Temporal;

public sealed class PayloadTooLargeTests
{
    [Fact]
    public async Task Run_InputOverTheBlobLimit_OneLineAndExitTwoWithoutStackTrace()
    {
        // The arguments travel in the spec (a script would go to storage): 3 MiB of them pass the 2 MiB blob limit.
        await using var home = await TestHome.WithTemporalAsync();
        using var repo = new TempRepo("workflows:\n  - name: train\n    provider: bash\n    commands: [echo hi]\n");

        var (exitCode, output) = await home.RunAsync("run", "train", "--repo", repo.Root, new string('a', 3 * 1024 * 1024));

        Assert.True(exitCode == ExitCodes.ConfigOrUsage, $"exit {exitCode}: {output[..Math.Min(output.Length, 2000)]}");
        Assert.Contains("error: the Temporal server refused the request as too large (Blob data size exceeds limit)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(RpcException.StatusCode.InvalidArgument, "Blob data size exceeds limit.", true)]
    [InlineData(RpcException.StatusCode.ResourceExhausted, "grpc: received message larger than max (5242880 vs. 4194304)", true)]
    [InlineData(RpcException.StatusCode.InvalidArgument, "Namespace name is invalid.", false)]
    [InlineData(RpcException.StatusCode.NotFound, "workflow not found", false)]
    public void Matches_OnlyRefusalsForSize(RpcException.StatusCode code, string message, bool expected) =>
        Assert.Equal(expected, PayloadTooLarge.Matches(new RpcException(code, message, null)));
}
