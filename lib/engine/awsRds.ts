/* eslint-disable @typescript-eslint/no-explicit-any -- provider inputs are untyped JSON here */
// The AWS mock's model of RDS data that exists before the stack: DB snapshots (DescribeDBSnapshots, as
// aws.rds.getSnapshot asks for them) and DB instances to adopt with the `import` resource option. A test
// records them in AWS's own output shape (the AWS CLI's `aws rds describe-db-snapshots` /
// `describe-db-instances` JSON: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBSnapshot.html,
// API_DBInstance.html); the mock turns them into the provider's shapes.

/** One DBSnapshot as DescribeDBSnapshots returns it (the fields the lookup reads). */
export interface AwsDbSnapshot {
  DBSnapshotIdentifier: string;
  DBSnapshotArn: string;
  DBInstanceIdentifier: string;
  SnapshotCreateTime: string;
  Engine: string;
  EngineVersion: string;
  AllocatedStorage: number;
  Status: string;
  Port: number;
  AvailabilityZone?: string;
  VpcId?: string;
  MasterUsername?: string;
  /** manual | automated (| shared | public as DescribeDBSnapshots's SnapshotType filter names them). */
  SnapshotType: string;
  StorageType: string;
  Encrypted: boolean;
  KmsKeyId?: string;
  LicenseModel?: string;
  OptionGroupName?: string;
  Iops?: number;
}

/** One DBInstance as DescribeDBInstances returns it (the fields the import compares). */
export interface AwsDbInstance {
  DBInstanceIdentifier: string;
  DbiResourceId: string;
  DBInstanceArn: string;
  DBInstanceClass: string;
  Engine: string;
  EngineVersion: string;
  DBInstanceStatus: string;
  MasterUsername: string;
  DBName?: string;
  Endpoint: { Address: string; Port: number; HostedZoneId: string };
  AllocatedStorage: number;
  MaxAllocatedStorage?: number;
  StorageType: string;
  StorageEncrypted: boolean;
  MultiAZ: boolean;
  BackupRetentionPeriod: number;
  PubliclyAccessible: boolean;
  DeletionProtection: boolean;
  CopyTagsToSnapshot: boolean;
  AutoMinorVersionUpgrade: boolean;
  DBSubnetGroup: { DBSubnetGroupName: string; VpcId: string };
  VpcSecurityGroups: { VpcSecurityGroupId: string; Status: string }[];
}

/**
 * aws.rds.getSnapshot (the provider's data source over DescribeDBSnapshots): by identifier, or by an
 * instance's snapshots; shared snapshots (another account's ARN) only with includeShared; none found or
 * several without mostRecent is an error, as the provider says it
 * (terraform-provider-aws internal/service/rds/snapshot_data_source.go).
 */
export function lookUpSnapshot(snapshots: AwsDbSnapshot[], accountId: string, inputs: Record<string, any>): Record<
  string,
  any
> | string {
  const wanted: string | undefined = inputs.dbSnapshotIdentifier;
  const own = (s: AwsDbSnapshot) => s.DBSnapshotArn.split(":")[4] === accountId;
  const found = snapshots
    .filter((s) => own(s) || inputs.includeShared === true)
    .filter((s) => wanted === undefined || s.DBSnapshotIdentifier === wanted || s.DBSnapshotArn === wanted)
    .filter((s) => inputs.dbInstanceIdentifier === undefined || s.DBInstanceIdentifier === inputs.dbInstanceIdentifier)
    .filter((s) => inputs.snapshotType === undefined || s.SnapshotType === inputs.snapshotType)
    .sort((a, b) => b.SnapshotCreateTime.localeCompare(a.SnapshotCreateTime));
  if (found.length === 0) return "Your query returned no results. Please change your search criteria and try again.";
  if (found.length > 1 && !inputs.mostRecent) {
    return "Your query returned more than one result. Please try a more specific search criteria.";
  }
  const s = found[0];
  return {
    id: s.DBSnapshotIdentifier,
    dbSnapshotIdentifier: s.DBSnapshotIdentifier,
    dbSnapshotArn: s.DBSnapshotArn,
    dbInstanceIdentifier: s.DBInstanceIdentifier,
    allocatedStorage: s.AllocatedStorage,
    availabilityZone: s.AvailabilityZone ?? "",
    encrypted: s.Encrypted,
    engine: s.Engine,
    engineVersion: s.EngineVersion,
    iops: s.Iops ?? 0,
    kmsKeyId: s.KmsKeyId ?? "",
    licenseModel: s.LicenseModel ?? "",
    optionGroupName: s.OptionGroupName ?? "",
    port: s.Port,
    snapshotCreateTime: s.SnapshotCreateTime,
    originalSnapshotCreateTime: s.SnapshotCreateTime,
    snapshotType: s.SnapshotType,
    status: s.Status,
    storageType: s.StorageType,
    vpcId: s.VpcId ?? "",
    sourceDbSnapshotIdentifier: "",
    sourceRegion: "",
    tags: {},
    includeShared: inputs.includeShared,
    mostRecent: inputs.mostRecent,
    region: inputs.region ?? "",
  };
}

/** Whether RestoreDBInstanceFromDBSnapshot would find the snapshot (an ARN for a shared one). */
export function restorableSnapshot(snapshots: AwsDbSnapshot[], accountId: string, id: string): AwsDbSnapshot
  | undefined {
  return snapshots.find((s) =>
    s.DBSnapshotArn === id || (s.DBSnapshotArn.split(":")[4] === accountId && s.DBSnapshotIdentifier === id)
  );
}

/** The provider's input → what DescribeDBInstances reports for it (the state the import reads). */
const IMPORTED: Record<string, (i: AwsDbInstance) => unknown> = {
  identifier: (i) => i.DBInstanceIdentifier,
  engine: (i) => i.Engine,
  engineVersion: (i) => i.EngineVersion,
  instanceClass: (i) => i.DBInstanceClass,
  allocatedStorage: (i) => i.AllocatedStorage,
  maxAllocatedStorage: (i) => i.MaxAllocatedStorage ?? 0,
  storageType: (i) => i.StorageType,
  storageEncrypted: (i) => i.StorageEncrypted,
  dbName: (i) => i.DBName ?? "",
  username: (i) => i.MasterUsername,
  port: (i) => i.Endpoint.Port,
  multiAz: (i) => i.MultiAZ,
  backupRetentionPeriod: (i) => i.BackupRetentionPeriod,
  publiclyAccessible: (i) => i.PubliclyAccessible,
  deletionProtection: (i) => i.DeletionProtection,
  copyTagsToSnapshot: (i) => i.CopyTagsToSnapshot,
  autoMinorVersionUpgrade: (i) => i.AutoMinorVersionUpgrade,
  dbSubnetGroupName: (i) => i.DBSubnetGroup.DBSubnetGroupName,
  vpcSecurityGroupIds: (i) => i.VpcSecurityGroups.map((g) => g.VpcSecurityGroupId).sort(),
};

/**
 * The import step of the engine: read the instance by its identifier (the provider's import id,
 * "import DB Instances using the identifier": @pulumi/aws rds/instance.d.ts) and refuse when the
 * program's inputs differ from it outside ignoreChanges ("inputs to import do not match the existing
 * resource"; the `import` option: https://www.pulumi.com/docs/iac/concepts/options/import/). The
 * engine version matches as a prefix (the provider treats "16" as matching "16.4"). Returns the problem,
 * or the state to hand back.
 */
export function importDbInstance(instances: AwsDbInstance[], id: string, inputs: Record<string, any>,
  ignoreChanges: string[]): { problem: string } | { instance: AwsDbInstance } {
  const instance = instances.find((i) => i.DBInstanceIdentifier === id);
  if (!instance) {
    return { problem: `DBInstanceNotFound: DBInstance ${id} not found (the import id is the instance identifier)` };
  }
  const differing = Object.entries(IMPORTED).filter(([key, read]) => {
    if (ignoreChanges.includes(key) || inputs[key] === undefined) return false;
    const actual = read(instance);
    const given = Array.isArray(inputs[key]) ? [...inputs[key]].sort() : inputs[key];
    if (key === "engineVersion") return !(actual === given || String(actual).startsWith(`${String(given)}.`));
    return JSON.stringify(actual) !== JSON.stringify(given);
  });
  if (differing.length > 0) {
    const detail = differing.map(([key, read]) =>
      `${key}: program ${JSON.stringify(inputs[key])}, instance ${JSON.stringify(read(instance))}`
    ).join("; ");
    return { problem: `inputs to import do not match the existing resource (${detail})` };
  }
  return { instance };
}
