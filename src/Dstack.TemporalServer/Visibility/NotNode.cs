namespace Dstack.TemporalServer.Visibility;

internal sealed record NotNode(QueryNode Inner) : QueryNode;
