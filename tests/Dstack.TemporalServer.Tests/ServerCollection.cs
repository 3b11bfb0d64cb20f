namespace Dstack.TemporalServer.Tests;

/// <summary>Every conformance test shares one server; each uses its own task queue and workflow IDs.</summary>
[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}
