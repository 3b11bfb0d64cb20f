namespace Dstack.Core.Configuration.Parsing;

/// <summary>The parts of a <see cref="DepSpec"/> while they are read.</summary>
internal sealed class DepBuilder
{
    public List<DepSpec> Given { get; } = [];
}
