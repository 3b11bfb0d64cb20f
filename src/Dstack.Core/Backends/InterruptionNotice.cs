namespace Dstack.Core.Backends;

/// <summary>The cloud is taking a machine back.</summary>
/// <param name="Source">Where it was seen: <c>api</c> (the cloud's API) or <c>metadata</c> (the machine's metadata service).</param>
/// <param name="Message">What the cloud said (state reason, spot status, instance action).</param>
/// <param name="TerminationTime">When the machine goes away, when known.</param>
public sealed record InterruptionNotice(string Source, string Message, DateTimeOffset? TerminationTime);
