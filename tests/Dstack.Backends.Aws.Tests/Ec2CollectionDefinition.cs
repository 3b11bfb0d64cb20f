namespace Dstack.Backends.Aws.Tests;

[CollectionDefinition(Name)]
public sealed class Ec2CollectionDefinition : ICollectionFixture<Ec2EmulatorFixture>
{
    public const string Name = "ec2";
}
