// Shared by the ecs tests (tests/unit/ecs-*.test.ts): the parse context, the hosted zone and prod's ecs settings.

/** Where config parses an ecs test's settings: the project's dev stack in us-east-1. */
export const DEV_CONTEXT = { project: "compose-on-ec2", stack: "dev", region: "us-east-1" };

/** The Route 53 hosted zone prod's names live in. */
export const ZONE = "Z0123456789ABCDEFGHIJ";

/** prod on ecs: a domain in a hosted zone, so HTTPS with an ACM certificate. */
export const PROD_ECS = { hosting: "ecs", cache: "redis", domain: '["app.example.com","www.example.com"]',
  hostedZoneId: ZONE };
