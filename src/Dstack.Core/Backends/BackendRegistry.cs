namespace Dstack.Core.Backends;

/// <summary>
/// The configured backends by name: the one place where a backend named by a run, an offer, an instance or a tagged machine
/// is found. Registered beside the backends by the composition root; the activities and the CLI ask it.
/// </summary>
public sealed class BackendRegistry
{
    private readonly List<IBackend> _all;
    private readonly Dictionary<string, IBackend> _byName;

    /// <summary>Initializes a new instance of the <see cref="BackendRegistry"/> class.</summary>
    /// <param name="backends">The configured backends, in the order offers are searched.</param>
    /// <exception cref="ArgumentException">Two backends have the same name.</exception>
    public BackendRegistry(IEnumerable<IBackend> backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        _all = [.. backends];
        _byName = new Dictionary<string, IBackend>(StringComparer.Ordinal);
        foreach (var backend in _all)
        {
            if (!_byName.TryAdd(backend.Name, backend))
            {
                throw new ArgumentException($"two backends are named '{backend.Name}'", nameof(backends));
            }
        }
    }

    /// <summary>Gets every backend, in the order they were configured.</summary>
    public IReadOnlyList<IBackend> All => _all;

    /// <summary>Gets the cloud backends (those that make and terminate machines).</summary>
    public IEnumerable<ICloudBackend> Clouds => _all.OfType<ICloudBackend>();

    /// <summary>Gets the backend named <paramref name="name"/>, or null when none is configured.</summary>
    public IBackend? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Gets the cloud backend named <paramref name="name"/>, or null when none is configured or it is not a cloud.</summary>
    public ICloudBackend? FindCloud(string name) => Find(name) as ICloudBackend;
}
