using Dstack.TemporalServer.Visibility;
using Temporalio.Api.Enums.V1;

namespace Dstack.TemporalServer.Tests.Visibility;

public sealed class SystemSearchAttributesTests
{
    [Theory]
    [InlineData("WorkflowId", IndexedValueType.Keyword)]
    [InlineData("ExecutionStatus", IndexedValueType.Keyword)]
    [InlineData("CloseTime", IndexedValueType.Datetime)]
    [InlineData("ExecutionDuration", IndexedValueType.Int)]
    [InlineData("BuildIds", IndexedValueType.KeywordList)]
    [InlineData("TemporalSchedulePaused", IndexedValueType.Bool)]
    [InlineData("TemporalScheduledStartTime", IndexedValueType.Datetime)]
    public void All_SystemAttribute_HasServerType(string name, IndexedValueType expected) =>
        Assert.Equal(expected, SystemSearchAttributes.All[name]);

    [Fact]
    public void UserSettable_IsSubsetOfAllWithoutCoreSystemAttributes()
    {
        Assert.Subset(SystemSearchAttributes.All.Keys.ToHashSet(), SystemSearchAttributes.UserSettable.ToHashSet());
        Assert.DoesNotContain("WorkflowId", SystemSearchAttributes.UserSettable);
        Assert.Contains("TemporalChangeVersion", SystemSearchAttributes.UserSettable);
    }
}
