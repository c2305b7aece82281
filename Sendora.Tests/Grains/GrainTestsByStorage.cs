namespace Sendora.Tests.Grains;

// Every grain test runs once per persistent storage option: Azure Table storage in Azurite, and Redis.

public sealed class ProfileGrainAzureStorageTests(AzureStorageClusterFixture fixture)
    : ProfileGrainTests(fixture), IClassFixture<AzureStorageClusterFixture>;

public sealed class ProfileGrainRedisTests(RedisClusterFixture fixture)
    : ProfileGrainTests(fixture), IClassFixture<RedisClusterFixture>;

public sealed class AudienceGrainAzureStorageTests(AzureStorageClusterFixture fixture)
    : AudienceGrainTests(fixture), IClassFixture<AzureStorageClusterFixture>;

public sealed class AudienceGrainRedisTests(RedisClusterFixture fixture)
    : AudienceGrainTests(fixture), IClassFixture<RedisClusterFixture>;

public sealed class IdentityGrainAzureStorageTests(AzureStorageClusterFixture fixture)
    : IdentityGrainTests(fixture), IClassFixture<AzureStorageClusterFixture>;

public sealed class IdentityGrainRedisTests(RedisClusterFixture fixture)
    : IdentityGrainTests(fixture), IClassFixture<RedisClusterFixture>;
