using Dstack.Core;

namespace Dstack.Backends.Aws.Catalog;

/// <summary>AWS's price list could not be read (offline, an error answer, not a price list); nothing was changed.</summary>
public sealed class PriceListUnavailableException : DstackException
{
    public PriceListUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
