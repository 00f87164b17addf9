// Shared by the compose tests (tests/unit/compose-*.test.ts): our own app's compose file and the fixtures,
// read under the names their messages use.
import * as path from "path";
import { ComposeModel, readComposeFile } from "../../components/compose";

const ROOT = path.join(__dirname, "..", "..");

/** The compose files the tests judge (tests/fixtures/compose). */
export const COMPOSE_FIXTURES = path.join(ROOT, "tests", "fixtures", "compose");

/** Our own app's compose file: its name in messages, and where it is. */
export const OUR_COMPOSE_NAME = "app/docker-compose.prod.yml";
export const OUR_COMPOSE_PATH = path.join(ROOT, "app", "docker-compose.prod.yml");

/** Our own app's file ("ours"), or a fixture, under the name its messages use. */
export function loadCompose(name: string): ComposeModel {
  return name === "ours"
    ? readComposeFile(OUR_COMPOSE_PATH, OUR_COMPOSE_NAME)
    : readComposeFile(path.join(COMPOSE_FIXTURES, name), name);
}
