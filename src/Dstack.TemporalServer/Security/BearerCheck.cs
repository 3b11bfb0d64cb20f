namespace Dstack.TemporalServer.Security;

/// <summary>What a request's <c>Authorization</c> value says about the caller.</summary>
internal enum BearerCheck
{
    /// <summary>No value: the caller may still have a web UI session.</summary>
    Missing,

    /// <summary>A value that is not <c>Bearer</c> and the server's key: refused whatever else the request carries.</summary>
    Invalid,

    /// <summary>The server's key.</summary>
    Valid,
}
