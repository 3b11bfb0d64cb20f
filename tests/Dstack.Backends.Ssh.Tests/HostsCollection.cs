namespace Dstack.Backends.Ssh.Tests;

/// <summary>Every test that uses the hosts runs in this collection: one set of namespaces, tests one after another (some cut links).</summary>
[CollectionDefinition(Name)]
public sealed class HostsCollection : ICollectionFixture<NetworkHosts>
{
    public const string Name = "ssh hosts";
}
