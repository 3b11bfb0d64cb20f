using System.Text.Json.Serialization;
using Dstack.Core.Backends;
using Dstack.Core.Runs;
using Dstack.Workflows.Queue;

namespace Dstack.Workflows.Contracts;

/// <summary>
/// System.Text.Json metadata for every type a run's workflow, activities, signals and queries exchange, generated at
/// build time. Built by reflection instead, it costs a short-lived CLI tens of milliseconds of CPU (Reflection.Emit
/// and its JIT) before it can submit a run.
/// </summary>
[JsonSerializable(typeof(RunWorkflowInput))]
[JsonSerializable(typeof(RunResult))]
[JsonSerializable(typeof(RunProgress))]
[JsonSerializable(typeof(RunSpec))]
[JsonSerializable(typeof(RunManifest))]
[JsonSerializable(typeof(Instance))]
[JsonSerializable(typeof(InterruptionNotice))]
[JsonSerializable(typeof(IReadOnlyList<TaggedMachine>))]
[JsonSerializable(typeof(FindOffersInput))]
[JsonSerializable(typeof(FindOffersResult))]
[JsonSerializable(typeof(ProvisionInput))]
[JsonSerializable(typeof(JobInput))]
[JsonSerializable(typeof(PrepareJobResult))]
[JsonSerializable(typeof(ExecuteJobResult))]
[JsonSerializable(typeof(StopJobInput))]
[JsonSerializable(typeof(ReleaseInput))]
[JsonSerializable(typeof(ReleaseResult))]
[JsonSerializable(typeof(UploadArtifactsResult))]
[JsonSerializable(typeof(ResolveInputsResult))]
[JsonSerializable(typeof(QueuedRun))]
[JsonSerializable(typeof(IReadOnlyList<QueuedRun>))]
[JsonSerializable(typeof(CapacityQueueInput))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(string))]
internal sealed partial class PayloadJsonContext : JsonSerializerContext;
