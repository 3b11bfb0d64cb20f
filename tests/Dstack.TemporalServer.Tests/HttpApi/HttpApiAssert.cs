using System.Net;

namespace Dstack.TemporalServer.Tests.HttpApi;

public static class HttpApiAssert
{
    /// <summary>
    /// True when the call was answered; false when the route reached <paramref name="method"/> but the server does not
    /// implement it yet (501 naming that method), which proves the route maps to it.
    /// </summary>
    public static bool Implemented(HttpApiResponse response, string method)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.Status == HttpStatusCode.NotImplemented)
        {
            Assert.Equal(12, response.Json.GetProperty("code").GetInt32());
            Assert.Contains(method, response.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
            return false;
        }

        response.Ok();
        return true;
    }
}
