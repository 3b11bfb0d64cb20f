namespace Dstack.Benchmarks.Scale;

/// <summary>A slot of <paramref name="Host"/> freed at <paramref name="Freed"/> and taken again <paramref name="Seconds"/> later.</summary>
internal sealed record SlotGap(string Host, DateTimeOffset Freed, double Seconds);
