import { teardown } from './global-redis';

export default teardown;
