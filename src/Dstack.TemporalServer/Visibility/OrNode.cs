namespace Dstack.TemporalServer.Visibility;

internal sealed record OrNode(QueryNode Left, QueryNode Right) : QueryNode;
