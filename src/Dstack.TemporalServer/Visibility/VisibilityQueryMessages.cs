namespace Dstack.TemporalServer.Visibility;

// Prefixes of the server's converter errors (common/persistence/visibility/store/query/errors.go).
internal static class VisibilityQueryMessages
{
    public const string MalformedSqlQuery = "malformed SQL query";
    public const string NotSupported = "operation is not supported";
    public const string InvalidExpression = "invalid expression";
}
