using Temporalio.Api.Common.V1;
using Temporalio.Api.Deployment.V1;

namespace Dstack.TemporalServer.Engine;

/// <summary>
/// Who polls: recorded in started events, in DescribeWorkflowExecution and among a queue's recent pollers
/// (DescribeTaskQueue), with what the poll said about the worker.
/// </summary>
/// <param name="Identity">The worker's identity; empty when the worker sent none.</param>
/// <param name="RatePerSecond">The task rate the worker asked the queue to keep to, or <see cref="NoRateLimit"/>.</param>
/// <param name="VersionCapabilities">The worker's build ID versioning capabilities, when it sent them.</param>
/// <param name="DeploymentOptions">The worker's deployment options, when it sent them.</param>
internal sealed record PollerInfo(
    string Identity,
    double RatePerSecond = PollerInfo.NoRateLimit,
    WorkerVersionCapabilities? VersionCapabilities = null,
    WorkerDeploymentOptions? DeploymentOptions = null)
{
    /// <summary>The rate real Temporal reports for a poller that set no limit (matching's default task dispatch rate).</summary>
    public const double NoRateLimit = 100_000;
}
