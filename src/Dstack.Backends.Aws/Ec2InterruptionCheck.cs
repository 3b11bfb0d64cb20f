using System.Globalization;
using Amazon.EC2;
using Amazon.EC2.Model;
using Dstack.Core;
using Dstack.Core.Backends;
using Dstack.Core.Instances;
using Instance = Dstack.Core.Backends.Instance;

namespace Dstack.Backends.Aws;

/// <summary>
/// Whether EC2 is taking a spot machine back: the instance's own metadata service gives the notice first (two minutes
/// ahead), the API tells the rest (the instance or its spot request ended or is marked for termination).
/// </summary>
internal sealed class Ec2InterruptionCheck(AwsBackendOptions options, Ec2Clients clients, Func<Instance, CancellationToken, Task<IInstanceShell>> connect)
{
    /// <summary>Returns the notice when EC2 is taking the spot machine back (its metadata first, then the API), else null.</summary>
    public async Task<InterruptionNotice?> CheckInterruptionAsync(Instance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (!instance.Offer.Spot)
        {
            return null;
        }

        // The instance's own metadata service gives the notice first (two minutes ahead on EC2); the API tells the rest.
        if (await CheckMetadataAsync(instance, cancellationToken).ConfigureAwait(false) is { } notice)
        {
            return notice;
        }

        var ec2 = clients.For(instance.Offer.Region);
        var described = (await Ec2Clients.DescribeAsync(ec2, [new Filter("instance-id", [instance.InstanceId])], cancellationToken).ConfigureAwait(false)).SingleOrDefault();
        if (described is null)
        {
            return new InterruptionNotice("api", $"{instance.InstanceId} no longer exists", null);
        }

        if (described.StateReason?.Code == Ec2ErrorCodes.SpotTermination)
        {
            return new InterruptionNotice("api", $"{instance.InstanceId} is {described.State.Name.Value}: {described.StateReason.Message}", null);
        }

        if (described.SpotInstanceRequestId is { Length: > 0 } requestId)
        {
            var requests = await ec2.DescribeSpotInstanceRequestsAsync(new DescribeSpotInstanceRequestsRequest { SpotInstanceRequestIds = [requestId] }, cancellationToken).ConfigureAwait(false);
            var status = requests.SpotInstanceRequests?.SingleOrDefault()?.Status;
            if (status?.Code is "marked-for-termination" or "marked-for-stop" or "instance-terminated-by-price" or "instance-terminated-no-capacity" or "instance-terminated-capacity-oversubscribed" or "instance-terminated-by-service")
            {
                return new InterruptionNotice("api", $"spot request {requestId}: {status.Code}: {status.Message}", null);
            }
        }

        return described.State.Name == InstanceStateName.ShuttingDown || described.State.Name == InstanceStateName.Terminated
            ? new InterruptionNotice("api", $"{instance.InstanceId} is {described.State.Name.Value}: {described.StateReason?.Message}", null)
            : null;
    }

    private async Task<InterruptionNotice?> CheckMetadataAsync(Instance instance, CancellationToken cancellationToken)
    {
        try
        {
            await using var shell = await connect(instance, cancellationToken).ConfigureAwait(false);
            var url = ShellQuoting.Quote(new Uri(options.MetadataEndpoint, "/latest/meta-data/spot/instance-action").ToString());
            var api = ShellQuoting.Quote(new Uri(options.MetadataEndpoint, "/latest/api/token").ToString());

            // IMDSv2 (a session token) where the instance requires it, IMDSv1 where the service has no token API.
            var result = await shell.RunAsync(
                $"""
                t=$(curl -sf -m 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' {api} 2>/dev/null || true)
                if [ -n "$t" ]; then curl -sf -m 2 -H "X-aws-ec2-metadata-token: $t" {url}; else curl -sf -m 2 {url}; fi
                exit 0
                """,
                cancellationToken).ConfigureAwait(false);
            var body = result.Stdout.Trim();
            if (body.Contains("\"action\"", StringComparison.Ordinal))
            {
                var time = System.Text.Json.JsonDocument.Parse(body).RootElement.TryGetProperty("time", out var t)
                    && DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : (DateTimeOffset?)null;
                return new InterruptionNotice("metadata", $"spot/instance-action: {body}", time);
            }
        }
        catch (DstackException)
        {
            // An instance that does not answer is the API's to explain.
        }
        catch (System.Text.Json.JsonException)
        {
            // Not a notice.
        }

        return null;
    }
}
