namespace Dstack.Core.Configuration;

/// <summary>The ports a job listens on (exposed as <c>PORT_0..PORT_n</c>).</summary>
/// <param name="Count">How many ports.</param>
/// <param name="Numbers">The fixed port numbers when a list was given; empty when any free ports will do.</param>
public sealed record PortsSpec(int Count, IReadOnlyList<int> Numbers);
