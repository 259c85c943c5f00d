import { setup } from './global-redis';

export default setup;
