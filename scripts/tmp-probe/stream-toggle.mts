import { DescribeTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal, localDynamoDbClient } from '../local/dynamodb-local.js';
import { ensureTable, setTableStream } from '../local/provision.js';
const ddb = await startDynamoDbLocal({ port: 3931 });
const c = localDynamoDbClient(ddb.endpoint);
try {
  await ensureTable(c, 'ttt', { stream: false });
  console.log('before', (await c.send(new DescribeTableCommand({ TableName: 'ttt' }))).Table?.LatestStreamArn);
  await setTableStream(c, 'ttt', true);
  console.log('on', (await c.send(new DescribeTableCommand({ TableName: 'ttt' }))).Table?.StreamSpecification, (await c.send(new DescribeTableCommand({ TableName: 'ttt' }))).Table?.LatestStreamArn);
  await c.send(new PutItemCommand({ TableName: 'ttt', Item: { pk: { S: 'a' }, sk: { S: 'b' } } }));
  await setTableStream(c, 'ttt', false);
  console.log('off', (await c.send(new DescribeTableCommand({ TableName: 'ttt' }))).Table?.StreamSpecification);
  await setTableStream(c, 'ttt', true);
  console.log('on again', (await c.send(new DescribeTableCommand({ TableName: 'ttt' }))).Table?.LatestStreamArn);
} finally { c.destroy(); await ddb.stop(); }
