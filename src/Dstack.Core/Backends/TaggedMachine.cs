namespace Dstack.Core.Backends;

/// <summary>A live cloud machine carrying dstack's tags.</summary>
/// <param name="Backend">The backend that made it.</param>
/// <param name="Region">Its region.</param>
/// <param name="InstanceId">The cloud's ID.</param>
/// <param name="InstanceType">Its type.</param>
/// <param name="Run">The <c>dstack:run</c> tag.</param>
/// <param name="Owner">The <c>dstack:owner</c> tag.</param>
/// <param name="State">The cloud's state name.</param>
/// <param name="LaunchedAt">When it was launched.</param>
public sealed record TaggedMachine(string Backend, string Region, string InstanceId, string InstanceType, string Run, string Owner, string State, DateTimeOffset? LaunchedAt);
