using Dstack.TemporalServer.Visibility;

namespace Dstack.TemporalServer.Tests.Visibility;

internal sealed class TestVisibilityRecord(IReadOnlyDictionary<string, object?> values) : IVisibilityRecord
{
    public object? GetValue(string attributeName) => values.GetValueOrDefault(attributeName);
}
