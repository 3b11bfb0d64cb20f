namespace Dstack.TemporalServer.Visibility;

internal sealed record AndNode(QueryNode Left, QueryNode Right) : QueryNode;
