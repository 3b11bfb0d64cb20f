namespace Dstack.TemporalServer.Visibility;

internal interface IVisibilityRecord
{
    object? GetValue(string attributeName);
}
