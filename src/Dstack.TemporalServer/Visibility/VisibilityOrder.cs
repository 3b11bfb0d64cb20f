namespace Dstack.TemporalServer.Visibility;

internal sealed record VisibilityOrder(string Attribute, bool Descending);
