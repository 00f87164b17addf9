"""Media through django-storages against the local S3 API: upload, stored in the bucket, served back
(through the app and by the presigned URL), and still there for a new app process (a redeploy).

Usage: check.py upload|fetch BASE_URL STATE_FILE, or check.py answers URL. `upload` posts a file,
checks it is in the bucket and served by its presigned URL, and records its name and content; `fetch`
reads it back through the app; `answers` succeeds once URL gives any HTTP answer. Exits non-zero
with a reason."""
import json
import os
import sys
import urllib.error
import urllib.request
import uuid

import boto3


def post_file(base, name, content):
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{base}/uploads", data=body, method="POST", headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read(), response.headers


def bucket_keys():
    s3 = boto3.client("s3", endpoint_url=os.environ["MEDIA_S3_ENDPOINT"], region_name=os.environ["MEDIA_BUCKET_REGION"])
    listing = s3.list_objects_v2(Bucket=os.environ["MEDIA_BUCKET"])
    return [o["Key"] for o in listing.get("Contents", [])]


def main():
    if sys.argv[1] == "answers":
        try:
            urllib.request.urlopen(sys.argv[2], timeout=1)
        except urllib.error.HTTPError:
            pass
        return
    action, base, state_file = sys.argv[1:4]
    if action == "upload":
        content = os.urandom(2048) + b"media-test"
        answer = post_file(base, "photo.bin", content)
        keys = bucket_keys()
        if "media/" + answer["name"] not in keys:
            sys.exit(f"stored_in_bucket=0: {answer['name']} not among the bucket's keys {keys}")
        direct, _ = get(answer["url"])
        if direct != content:
            sys.exit("served_back=0: the presigned URL returned other bytes")
        with open(state_file, "w") as f:
            json.dump({"name": answer["name"], "content": content.hex(), "release": answer["release"]}, f)
        print(f"uploaded {answer['name']} under release {answer['release']}")
    else:
        with open(state_file) as f:
            state = json.load(f)
        body, headers = get(f"{base}/uploads/{state['name']}")
        if body.hex() != state["content"]:
            sys.exit("served_back=0: the app returned other bytes")
        print(f"served {state['name']} by release {headers['X-Release-Id']} (uploaded by {state['release']})")


main()
