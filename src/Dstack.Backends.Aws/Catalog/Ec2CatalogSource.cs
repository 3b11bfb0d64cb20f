namespace Dstack.Backends.Aws.Catalog;

/// <summary>
/// The catalog as it is now: the shipped one with the refreshed prices in the dstack folder, loaded again when
/// <c>dstack offers --refresh</c> rewrites them, so a long-running worker prices runs as <c>dstack offers</c> does.
/// </summary>
internal sealed class Ec2CatalogSource(string dstackHome)
{
    private readonly Lock _lock = new();
    private DateTime _stamp;
    private Ec2Catalog? _catalog;

    public Ec2Catalog Current
    {
        get
        {
            // A missing file reads as 1601-01-01, so its appearance and its removal both count as a change.
            var stamp = File.GetLastWriteTimeUtc(Ec2Catalog.RefreshedPath(dstackHome));
            lock (_lock)
            {
                if (_catalog is null || stamp != _stamp)
                {
                    _catalog = Ec2Catalog.Load(dstackHome);
                    _stamp = stamp;
                }

                return _catalog;
            }
        }
    }
}
